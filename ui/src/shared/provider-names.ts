// Generated from the core's provider registry (src-tauri/core/src/providers): do not
// edit. Regenerate with VITAL_LINK_REGENERATE=1 cargo test -p vital-link-core --lib

/** Each built-in provider's name, and `connectable: false` where no desktop app may connect it. */
export const PROVIDERS = {
  oura: { name: 'Oura' },
  withings: { name: 'Withings' },
  strava: { name: 'Strava' },
  polar: { name: 'Polar' },
  whoop_v2: { name: 'WHOOP' },
  dexcom_v3: { name: 'Dexcom' },
  wahoo: { name: 'Wahoo' },
  google_health: { name: 'Google Health (Fitbit)' },
  garmin: { name: 'Garmin', connectable: false },
} as const satisfies Record<string, { name: string; connectable?: boolean }>;
