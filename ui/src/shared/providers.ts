/**
 * One display name per provider slug, for the console and the link widget alike, from the
 * core's registry (generated into provider-names.ts); a custom provider (or a slug the table
 * does not know) is shown title-cased.
 */
import { PROVIDERS } from './provider-names';

export { PROVIDERS };

export type ProviderSlug = keyof typeof PROVIDERS;

function titleCase(slug: string): string {
  return slug
    .split(/[_-]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** "WHOOP" for `whoop_v2`, "Google Health" for `google_health`; custom slugs title-cased. */
export function providerName(slug: string | null | undefined): string {
  if (!slug) return 'The provider';
  const known = (PROVIDERS as Record<string, { name: string }>)[slug];
  return known ? known.name : titleCase(slug);
}

/**
 * Whether the provider can be connected from a desktop app at all. `availability` is the
 * core's word when it sends one (`{state: 'available' | 'not_available'}`); otherwise the table.
 */
export function providerConnectable(slug: string, availability?: { state: string } | null): boolean {
  if (availability && typeof availability.state === 'string') return availability.state !== 'not_available';
  const known = (PROVIDERS as Record<string, { connectable?: boolean }>)[slug];
  return known?.connectable !== false;
}
