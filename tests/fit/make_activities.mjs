// Writes FIT activity files with Garmin's official FIT SDK encoder (@garmin/fitsdk), decodes
// each again with the SDK's own decoder (integrity and a read-back of what was written), and
// prints what was written as JSON for tests/import_files.rs to compare the import against.
//
//   node tests/fit/make_activities.mjs <out-dir>
import { Decoder, Encoder, Profile, Stream } from "@garmin/fitsdk";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2];
mkdirSync(out, { recursive: true });

function activity({ name, manufacturer, sport, start, seconds, offsetSecs, hr, power }) {
  const e = new Encoder();
  const at = (s) => new Date(start.getTime() + s * 1000);
  e.onMesg(Profile.MesgNum.FILE_ID, { type: "activity", manufacturer, product: 1, serialNumber: 1234, timeCreated: start });
  e.onMesg(Profile.MesgNum.EVENT, { timestamp: start, event: "timer", eventType: "start" });
  const written = { name, manufacturer, sport, start: start.toISOString(), seconds, offsetSecs, records: [] };
  let distance = 0;
  for (let s = 0; s < seconds; s++) {
    const speed = sport === "cycling" ? 8 + (s % 5) * 0.1 : 3 + (s % 4) * 0.05;
    distance += speed;
    const r = { timestamp: at(s), heartRate: hr(s), cadence: sport === "cycling" ? 88 : 82, speed, distance };
    if (power) r.power = power(s);
    e.onMesg(Profile.MesgNum.RECORD, r);
    written.records.push({ t: Math.floor(at(s).getTime() / 1000), hr: r.heartRate, power: r.power ?? null });
  }
  const end = at(seconds);
  const hrs = written.records.map((r) => r.hr);
  const calories = Math.round(seconds / 6);
  e.onMesg(Profile.MesgNum.EVENT, { timestamp: end, event: "timer", eventType: "stopAll" });
  e.onMesg(Profile.MesgNum.LAP, { timestamp: end, startTime: start, totalElapsedTime: seconds, totalTimerTime: seconds, totalDistance: distance, totalCalories: calories });
  e.onMesg(Profile.MesgNum.SESSION, {
    timestamp: end, startTime: start, sport, totalElapsedTime: seconds, totalTimerTime: seconds,
    totalDistance: distance, totalCalories: calories,
    avgHeartRate: Math.round(hrs.reduce((a, b) => a + b, 0) / hrs.length), maxHeartRate: Math.max(...hrs),
    firstLapIndex: 0, numLaps: 1,
  });
  // Local time is the activity's only time-zone information in FIT.
  e.onMesg(Profile.MesgNum.ACTIVITY, {
    timestamp: end, totalTimerTime: seconds, numSessions: 1, type: "manual", event: "activity", eventType: "stop",
    localTimestamp: Math.round(end.getTime() / 1000) - 631065600 + offsetSecs,
  });
  const bytes = e.close();

  const d = new Decoder(Stream.fromByteArray(bytes));
  if (!d.isFIT() || !d.checkIntegrity()) throw new Error(`${name}: the SDK does not read back what it wrote`);
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read();
  if (errors.length) throw new Error(`${name}: ${errors}`);
  if (messages.recordMesgs.length !== seconds) throw new Error(`${name}: ${messages.recordMesgs.length} records read back`);
  Object.assign(written, { distance, calories, avgHr: messages.sessionMesgs[0].avgHeartRate, maxHr: messages.sessionMesgs[0].maxHeartRate });
  writeFileSync(join(out, name), bytes);
  return written;
}

const files = [
  activity({ name: "run.fit", manufacturer: "garmin", sport: "running", start: new Date("2024-03-10T07:00:00Z"), seconds: 600, offsetSecs: 3600, hr: (s) => 120 + (s % 40) }),
  activity({ name: "ride.fit", manufacturer: "wahooFitness", sport: "cycling", start: new Date("2024-03-11T16:00:00Z"), seconds: 900, offsetSecs: -4 * 3600, hr: (s) => 130 + (s % 30), power: (s) => 180 + (s % 50) }),
];
process.stdout.write(JSON.stringify(files));
