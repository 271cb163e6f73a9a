import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/**
 * The emulator's TLS material: a local CA and a localhost certificate it signed. Generated once under
 * `<dataDir>/emulator/` and reused, so a trusted `ca.pem` stays valid across restarts. Our processes trust
 * that CA explicitly; nothing disables certificate checks. The CA's private key is never stored: nobody
 * can mint another certificate our processes would trust. Both are replaced when the leaf nears expiry.
 */
export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  caPath: string;
}

const FILES = { ca: 'ca.pem', cert: 'localhost.pem', key: 'localhost-key.pem' };
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export function ensureTlsMaterial(dataDir: string): TlsMaterial {
  const dir = path.join(dataDir, 'emulator');
  const file = (name: string) => path.join(dir, name);
  const present = Object.values(FILES).every((f) => existsSync(file(f)));
  if (!present || expiresSoon(readFileSync(file(FILES.cert), 'utf8'))) {
    mkdirSync(dir, { recursive: true });
    const generated = generateTlsMaterial();
    // The server key is private to the user running the emulator; the CA certificate is public by nature.
    writeFileSync(file(FILES.key), generated.keyPem, { mode: 0o600 });
    writeFileSync(file(FILES.cert), generated.certPem);
    writeFileSync(file(FILES.ca), generated.caPem);
  }
  return {
    caPem: readFileSync(file(FILES.ca), 'utf8'),
    certPem: readFileSync(file(FILES.cert), 'utf8'),
    keyPem: readFileSync(file(FILES.key), 'utf8'),
    caPath: file(FILES.ca),
  };
}

function expiresSoon(certPem: string): boolean {
  try {
    return new Date(new X509Certificate(certPem).validTo).getTime() - Date.now() < RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}

function generateTlsMaterial(): { caPem: string; certPem: string; keyPem: string } {
  const { pki, md } = forge;
  const caKeys = pki.rsa.generateKeyPair(2048);
  const caSubject = [
    { name: 'commonName', value: 'Cloud Sync Microsoft 365 Emulator Local CA' },
    { name: 'organizationName', value: 'Cloud Sync for Teams (local development)' },
  ];
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = randomSerial();
  setValidity(ca, 3650);
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, md.sha256.create());

  const serverKeys = pki.rsa.generateKeyPair(2048);
  const server = pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = randomSerial();
  // Browsers refuse leaf certificates valid for more than 398 days.
  setValidity(server, 397);
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, md.sha256.create());

  return {
    caPem: pki.certificateToPem(ca),
    certPem: pki.certificateToPem(server),
    keyPem: pki.privateKeyToPem(serverKeys.privateKey),
  };
}

function randomSerial(): string {
  // A positive serial: the first hex digit stays below 8 so the DER integer is not negative.
  const hex = forge.util.bytesToHex(forge.random.getBytesSync(16));
  return (parseInt(hex[0]!, 16) & 0x7).toString(16) + hex.slice(1);
}

function setValidity(cert: forge.pki.Certificate, days: number): void {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 24 * 60 * 60 * 1000);
}
