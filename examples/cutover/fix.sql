-- The fix for the drift plan reports: rows that come from v1 are 'standard' customers.
ALTER TABLE customers ALTER COLUMN tier SET DEFAULT 'standard';
