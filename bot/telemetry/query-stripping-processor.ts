import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { queryFreeAttributes, withoutQueries } from './url-query.js';

/**
 * Takes query strings and fragments out of every span before any exporter sees it. It works at the
 * span's end, while the span can still be changed, so it also covers attributes an instrumentation
 * sets after the start; the exporter builds Application Insights' request and dependency URLs, names
 * and custom dimensions from exactly these attributes, the span's name and its events.
 */
export class QueryStrippingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    span.setAttributes(queryFreeAttributes(span.attributes));
    const name = withoutQueries(span.name);
    if (name !== span.name) span.updateName(name);
    // Recorded exceptions: their messages and stacks may quote a URL. Events have no setter; the
    // span is still open, so its own event records are changed in place.
    for (const event of span.events)
      if (event.attributes) Object.assign(event.attributes, queryFreeAttributes(event.attributes));
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
