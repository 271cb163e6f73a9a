import { randomBytes } from 'node:crypto';
import { read } from '../env/project-files.js';

/**
 * The App Service apps of infra/azure.bicep as data: start command, runtime and app settings (the
 * shared list plus each app's own), read from the template's text since the Bicep compiler cannot be
 * installed here. Setting values stay Bicep expressions; `sampleValue` turns one into what App
 * Service would hand the process, with invented values for parameters and Azure resources.
 */

export interface BicepSite {
  /** The resource's symbolic name (serverApp, workerApp). */
  symbol: string;
  commandLine: string;
  linuxFxVersion: string;
  /** Setting name → Bicep expression of its value. */
  settings: Map<string, string>;
  body: string;
}

export const bicep = read('infra/azure.bicep');

const declarations = bicep.split(/\n(?=resource |output |var |param )/);

function settingPairs(text: string): [string, string][] {
  return [...text.matchAll(/name:\s*'(\w+)'\s*\n\s*value:\s*(.+)$/gm)].map((m) => [
    m[1] as string,
    (m[2] as string).trim(),
  ]);
}

function varExpression(name: string): string | undefined {
  const decl = declarations.find((d) => new RegExp(`^var ${name}\\s*=`).test(d));
  return decl?.replace(new RegExp(`^var ${name}\\s*=\\s*`), '').trim();
}

export function bicepSites(): BicepSite[] {
  return declarations
    .filter((d) => d.startsWith('resource ') && d.includes("'Microsoft.Web/sites@"))
    .map((body) => {
      const symbol = /^resource (\w+)/.exec(body)?.[1] ?? '';
      const concat = /appSettings:\s*concat\((\w+),\s*\[([\s\S]*?)\n\s*\]\)/.exec(body);
      const shared = concat ? settingPairs(varExpression(concat[1] as string) ?? '') : [];
      const own = concat ? settingPairs(concat[2] as string) : settingPairs(body);
      return {
        symbol,
        commandLine: /appCommandLine:\s*'([^']*)'/.exec(body)?.[1] ?? '',
        linuxFxVersion: /linuxFxVersion:\s*'([^']*)'/.exec(body)?.[1] ?? '',
        settings: new Map([...shared, ...own]),
        body,
      };
    });
}

/** The value of a literal setting (`'false'`), or undefined when it is computed. */
export function literal(expression: string): string | undefined {
  return /^'[^']*'$/.test(expression) && !expression.includes('${') ? expression.slice(1, -1) : undefined;
}

const GUID = () => '6a1c2e4b-7d8f-4a1b-9c2d-3e4f5a6b7c8d';

/** What a deployment passes for each parameter without a default (infra/azure.parameters.json). */
const SAMPLE_PARAMS: Record<string, string> = {
  resourceBaseName: 'cloudsyncdev',
  teamsfxEnv: 'dev',
  m365TenantId: GUID(),
  aadAppSignInAudience: 'AzureADMyOrg',
  aadAppClientId: GUID(),
  aadAppClientSecret: 'entra-client-secret',
  botAadAppClientId: GUID(),
  botAadAppClientSecret: 'bot-client-secret',
  tokenEncryptionKey: randomBytes(32).toString('base64'),
  postgresAdminPassword: 'a-long-password!',
  postgresEntraAdminObjectId: GUID(),
  postgresEntraAdminName: 'dba@contoso.com',
};

function paramDefault(name: string): string | undefined {
  const m = new RegExp(`^param ${name} \\w+ = '([^']*)'`, 'm').exec(bicep);
  return m?.[1];
}

/** A Bicep expression evaluated with sample inputs: templates, vars, params and Key Vault references. */
export function sampleValue(expression: string): string {
  const keyVault = /^'@Microsoft\.KeyVault\(SecretUri=\$\{(\w+)\.properties\.secretUri\}\)'$/.exec(
    expression,
  );
  if (keyVault) {
    const secret = declarations.find((d) => d.startsWith(`resource ${keyVault[1]} `));
    const value = /\n\s*value:\s*(.+)$/m.exec(secret ?? '')?.[1];
    if (!value) throw new Error(`no Key Vault secret ${keyVault[1]} in the template`);
    return sampleValue(value.trim());
  }
  if (/^'.*'$/.test(expression))
    return expression
      .slice(1, -1)
      .replace(/\$\{([^}]+)\}/g, (_m, inner: string) => sampleValue(inner.trim()));
  const uriComponent = /^uriComponent\((.+)\)$/.exec(expression);
  if (uriComponent) return encodeURIComponent(sampleValue(uriComponent[1] as string));
  if (/^\w+$/.test(expression)) {
    const fromVar = varExpression(expression);
    // A one-line var; comments that follow it belong to the next declaration.
    if (fromVar !== undefined) return sampleValue(fromVar.split('\n')[0]!.trim());
    const param = SAMPLE_PARAMS[expression] ?? paramDefault(expression);
    if (param === undefined) throw new Error(`no sample value for the parameter ${expression}`);
    return param;
  }
  // A managed identity's ids are GUIDs.
  if (/\.properties\.(clientId|principalId)$/.test(expression)) return GUID();
  // Application Insights' connection string, in the shape Azure gives it (the configuration checks it).
  if (/^\w+\.properties\.ConnectionString$/.test(expression))
    return 'InstrumentationKey=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
  // Any other Azure resource's property (host names): a plain word stands in for it.
  return 'azure-resource-value';
}
