import { Badge } from '@fluentui/react-components';
import type { HealthStatus } from '#shared/contract.js';
import { HEALTH_COLOR, HEALTH_LABEL } from '../format.js';

/** Colour is never the only signal: the badge always carries the word (high contrast, colour blindness). */
export function HealthBadge({ status }: { status: HealthStatus }) {
  return (
    <Badge appearance="tint" color={HEALTH_COLOR[status]} data-health={status}>
      {HEALTH_LABEL[status]}
    </Badge>
  );
}
