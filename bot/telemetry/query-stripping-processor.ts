import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { queryFreeAttributes, withoutQueries } from './url-query.js';

/**
 * Takes query strings and fragments out of every span before any exporter sees it. It works at the
 * span's end, while the span can still be changed, so it also covers attributes an instrumentation
 * sets after the start; the exporter builds Application Insights' request and dependency URLs and
 * names from exactly these attributes and the span's name.
 */
export class QueryStrippingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    span.setAttributes(queryFreeAttributes(span.attributes));
    const name = withoutQueries(span.name);
    if (name !== span.name) span.updateName(name);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
