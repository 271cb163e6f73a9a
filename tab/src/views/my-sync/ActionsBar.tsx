import { Button, Link, Text, Toolbar, makeStyles, tokens } from '@fluentui/react-components';
import type { MyHealthResponse, ResourceKind } from '#shared/contract.js';
import { DisableDialog, type Retention } from './DisableDialog.js';

export type Action =
  | { kind: 'switch-on' }
  | { kind: 'sync-now' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'disable'; retention: Retention }
  | { kind: 'switch'; resource: ResourceKind; on: boolean };

const useStyles = makeStyles({
  bar: { flexWrap: 'wrap', gap: tokens.spacingHorizontalS, padding: 0 },
  off: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: tokens.spacingVerticalS },
});

/** Only the actions the current state allows are enabled; the server refuses the rest anyway. */
export function ActionsBar(props: {
  health: MyHealthResponse;
  /** Null when the server has no sign-in link to offer (not in a reconnect state). */
  reconnectHref: string | null;
  busy: boolean;
  onAction: (action: Action) => void;
}) {
  const styles = useStyles();
  const state = props.health.account?.state;
  const active = state === 'active';
  const canDisable = state === 'active' || state === 'paused' || state === 'reconnect_required';
  if (state === 'ready' || state === 'disabled') {
    // Switching on needs the user's Microsoft 365 sign-in, which happens from the chat's sign-in card.
    return (
      <div className={styles.off}>
        <Button
          appearance="primary"
          disabled={props.busy}
          onClick={() => props.onAction({ kind: 'switch-on' })}
        >
          Switch on
        </Button>
        <Text>
          Cloud Sync then sends you a sign-in card in your chat with it in Teams: press Sign in there, and
          sync starts.
        </Text>
      </div>
    );
  }
  return (
    <Toolbar aria-label="Sync actions" className={styles.bar}>
      <Button
        appearance="primary"
        disabled={!active || props.busy}
        onClick={() => props.onAction({ kind: 'sync-now' })}
      >
        Sync now
      </Button>
      {state === 'paused' ? (
        <Button disabled={props.busy} onClick={() => props.onAction({ kind: 'resume' })}>
          Resume
        </Button>
      ) : (
        <Button disabled={!active || props.busy} onClick={() => props.onAction({ kind: 'pause' })}>
          Pause
        </Button>
      )}
      {state === 'reconnect_required' && props.reconnectHref && (
        // Sign-in pages refuse to render in frames, so reconnecting always opens a new window.
        <Link href={props.reconnectHref} target="_blank" rel="noopener noreferrer">
          Reconnect
        </Link>
      )}
      <DisableDialog
        disabled={!canDisable}
        busy={props.busy}
        onConfirm={(retention) => props.onAction({ kind: 'disable', retention })}
      />
    </Toolbar>
  );
}
