import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Radio,
  RadioGroup,
  Field,
} from '@fluentui/react-components';
import { useState } from 'react';

export type Retention = 'keepData' | 'purge';

/** Switching off is the one irreversible action, so it asks twice and makes the data choice explicit. */
export function DisableDialog(props: {
  disabled: boolean;
  busy: boolean;
  onConfirm: (retention: Retention) => void;
}) {
  const [open, setOpen] = useState(false);
  const [retention, setRetention] = useState<Retention>('keepData');
  return (
    <Dialog open={open} onOpenChange={(_, d) => setOpen(d.open)}>
      <DialogTrigger disableButtonEnhancement>
        <Button disabled={props.disabled}>Switch off…</Button>
      </DialogTrigger>
      <DialogSurface aria-describedby="disable-explanation">
        <DialogBody>
          <DialogTitle>Switch off Cloud Sync?</DialogTitle>
          <DialogContent>
            <p id="disable-explanation">
              Nothing new will be copied into the CRM and Cloud Sync forgets your Microsoft 365 sign-in. You
              can switch it on again later from the chat.
            </p>
            <Field label="What happens to what was already copied?">
              <RadioGroup value={retention} onChange={(_, d) => setRetention(d.value as Retention)}>
                <Radio value="keepData" label="Keep it in the CRM" />
                <Radio value="purge" label="Remove what was copied for me only" />
              </RadioGroup>
            </Field>
          </DialogContent>
          <DialogActions>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">Cancel</Button>
            </DialogTrigger>
            <Button
              appearance="primary"
              disabled={props.busy}
              onClick={() => {
                setOpen(false);
                props.onConfirm(retention);
              }}
            >
              Switch off
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
