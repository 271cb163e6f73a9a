import {
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type {
  PrivacySaveResult,
  PrivacySettings,
  PrivateMailChoice,
  RemoveCopiedResult,
} from '#shared/contract.js';
import type { ApiClient } from '../../api/client.js';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '40rem' },
});

/** One entry per line; commas and semicolons also separate, as people paste address lists. */
function parseEntries(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
}

export function PrivacyPanel({ api }: { api: ApiClient }) {
  const styles = useStyles();
  const [loaded, setLoaded] = useState<PrivacySettings>();
  const [text, setText] = useState('');
  const [privateMail, setPrivateMail] = useState<PrivateMailChoice>('skip');
  const [message, setMessage] = useState<{ intent: 'success' | 'error'; text: string }>();
  const [saving, setSaving] = useState(false);
  /** What was already copied from entries just added: offered for removal, never removed unasked. */
  const [offer, setOffer] = useState<PrivacySaveResult['alreadyCopied']>();

  useEffect(() => {
    api
      .get<PrivacySettings>('/api/me/privacy')
      .then((s) => {
        setLoaded(s);
        setText(s.blocklist.join('\n'));
        setPrivateMail(s.privateMail);
      })
      .catch((err: Error) => setMessage({ intent: 'error', text: err.message }));
  }, [api]);

  if (!loaded)
    return message ? (
      <MessageBar intent="error">
        <MessageBarBody>{message.text}</MessageBarBody>
      </MessageBar>
    ) : (
      <Spinner label="Loading privacy settings…" />
    );

  const save = async () => {
    setSaving(true);
    setMessage(undefined);
    try {
      const saved = await api.send<PrivacySaveResult>('PUT', '/api/me/privacy', {
        blocklist: parseEntries(text),
        privateMail,
      });
      setLoaded(saved);
      setText(saved.blocklist.join('\n'));
      setOffer(saved.alreadyCopied.mail + saved.alreadyCopied.diary > 0 ? saved.alreadyCopied : undefined);
      setMessage({
        intent: 'success',
        text: 'Saved. New mail is filtered with these settings from the next sync.',
      });
    } catch (err) {
      setMessage({ intent: 'error', text: (err as Error).message });
    } finally {
      setSaving(false);
    }
  };

  const removeCopied = async (entries: string[]) => {
    setSaving(true);
    try {
      const { removed } = await api.send<RemoveCopiedResult>('POST', '/api/me/privacy/remove-copied', {
        entries,
      });
      setOffer(undefined);
      setMessage({
        intent: 'success',
        text: `Removed from TriSys: ${removed.mail} e-mails and ${removed.diary} appointments.`,
      });
    } catch (err) {
      setMessage({ intent: 'error', text: (err as Error).message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className={styles.form}
      aria-label="Privacy settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Field
        label="Never copy mail with these addresses or domains"
        hint="One per line: a full address (name@example.com) or a whole domain (@example.com)."
      >
        <Textarea value={text} onChange={(_, d) => setText(d.value)} resize="vertical" rows={5} />
      </Field>
      <Field label="Mail marked private in Outlook">
        <RadioGroup value={privateMail} onChange={(_, d) => setPrivateMail(d.value as PrivateMailChoice)}>
          <Radio value="skip" label="Don't copy it" />
          <Radio value="metadata" label="Copy who and when only (the CRM never keeps message bodies)" />
        </RadioGroup>
      </Field>
      {message && (
        <MessageBar intent={message.intent}>
          <MessageBarBody>{message.text}</MessageBarBody>
        </MessageBar>
      )}
      {offer && (
        <MessageBar intent="warning" role="status">
          <MessageBarBody>
            {offer.mail} e-mails and {offer.diary} appointments already copied to TriSys involve{' '}
            {offer.entries.join(', ')}.{' '}
            <Button size="small" disabled={saving} onClick={() => void removeCopied(offer.entries)}>
              Remove them from TriSys
            </Button>
          </MessageBarBody>
        </MessageBar>
      )}
      <div>
        <Button appearance="primary" type="submit" disabled={saving}>
          Save privacy settings
        </Button>
      </div>
    </form>
  );
}
