-- Recurring passes: the days and hours (JSON PassSchedule) within the window.
ALTER TABLE passes ADD COLUMN schedule TEXT;
