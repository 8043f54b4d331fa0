DELETE FROM parliaments;
DELETE FROM rejection_reasons;
