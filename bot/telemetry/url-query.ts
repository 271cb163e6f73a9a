import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';

/**
 * An absolute URL or an absolute path followed by its query and/or fragment. What follows `?` or `#`
 * in our URLs can be an authorisation code, a sign-in ticket or a consent `state`.
 */
const URL_WITH_QUERY = /([a-z][a-z0-9+.-]*:\/\/[^\s?#]*|(?<![^\s"'(=])\/[^\s?#]*)[?#][^\s"')]*/gi;

/** `text` with the query and fragment cut from every URL and path in it; the rest unchanged. */
export function withoutQueries(text: string): string {
  return text.replace(URL_WITH_QUERY, '$1');
}

/**
 * The attributes that must change so that none carries a query string: `url.query` is emptied (it
 * is nothing but the query), and every string naming a URL or path (`url.full`, `http.url`,
 * `http.target`, and any other) loses its query and fragment.
 */
export function queryFreeAttributes(attributes: Attributes): Attributes {
  const changed: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key === ATTR_URL_QUERY) {
      if (value !== '') changed[key] = '';
    } else if (typeof value === 'string') {
      const stripped = withoutQueries(value);
      if (stripped !== value) changed[key] = stripped;
    } else if (Array.isArray(value)) {
      const stripped = value.map((v: unknown) => (typeof v === 'string' ? withoutQueries(v) : v));
      if (stripped.some((v, i) => v !== value[i])) changed[key] = stripped as AttributeValue;
    }
  }
  return changed;
}
