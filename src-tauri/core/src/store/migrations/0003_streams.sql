-- Streams (hypnogram, per-night heart rate, workout series) live beside their summary, so the
-- summary routes read small documents.
ALTER TABLE summaries ADD COLUMN stream TEXT;
