/**
 * One display name per provider slug, for the console and the link widget alike. The slugs are
 * the core's registry (src-tauri/core/src/providers/*.rs, `ProviderSpec.slug` / `.name`); a
 * custom provider (or a slug this table does not know yet) is shown title-cased.
 */
export const PROVIDERS = {
  oura: { name: 'Oura' },
  google_health: { name: 'Google Health' },
  withings: { name: 'Withings' },
  strava: { name: 'Strava' },
  polar: { name: 'Polar' },
  whoop_v2: { name: 'WHOOP' },
  dexcom_v3: { name: 'Dexcom' },
  wahoo: { name: 'Wahoo' },
  /**
   * Listed by the core with `availability: not_available` (push-only; see
   * src-tauri/core/src/providers/garmin.rs). The console's `settings` command does not say so
   * yet, so this is the fallback until `CredentialView` carries `availability`.
   */
  garmin: { name: 'Garmin', connectable: false },
} as const satisfies Record<string, { name: string; connectable?: boolean }>;

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
