DROP TABLE petition_notes;
