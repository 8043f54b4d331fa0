-- The rejection reasons of SPEC §1.4; sysadmins manage them from here on.
INSERT INTO rejection_reasons (code, title, description, hidden) VALUES
('duplicate', 'Duplicate petition', 'There''s already a petition about this issue. We cannot accept a new petition when we already have one about a very similar issue, or if the Petitions Committee has considered one in the last year.', FALSE),
('irrelevant', 'Not the Government/Parliament''s responsibility', 'It''s about something that the UK Government or House of Commons is not directly responsible for.', FALSE),
('no-action', 'Action unclear', 'It did not have a clear statement explaining what action you want the UK Government or the House of Commons to take.', FALSE),
('honours', 'Honours or appointments', 'It''s about honours or appointments.', FALSE),
('fake-name', 'Fake name', 'It did not include a full and real name.', FALSE),
('foi', 'FOI request', 'It''s an FOI request.', FALSE),
('libellous', 'Confidential, libellous, false, defamatory or references a court case', 'It included information which may be protected by law: confidential, libellous, false or defamatory information, or a reference to a case which is active in the UK courts.', TRUE),
('offensive', 'Offensive or a joke', 'It included material which is offensive, nonsense or a joke.', TRUE),
('advert', 'Advert', 'It included an advert, promoted a product or service, or linked to a commercial website.', TRUE),
('removed', 'Removed from the site', 'It was removed from the site.', TRUE);

-- Past parliaments, so archived petitions can be filed under the parliament they ran in.
-- Dissolution happens at 00:01 London time; the instants below are UTC.
INSERT INTO parliaments (period, government, opening_at, dissolution_at, response_threshold, debate_threshold, archived_at) VALUES
('2010-2015', 'Conservative – Liberal Democrat coalition', '2010-05-18 00:00:00', '2015-03-29 23:01:00', 10000, 100000, '2015-03-29 23:01:00'),
('2015-2017', 'Conservative', '2015-05-18 00:00:00', '2017-05-02 23:01:00', 10000, 100000, '2017-05-02 23:01:00'),
('2017-2019', 'Conservative', '2017-06-13 00:00:00', '2019-11-06 00:01:00', 10000, 100000, '2019-11-06 00:01:00'),
('2019-2024', 'Conservative', '2019-12-17 00:00:00', '2024-05-29 23:01:00', 10000, 100000, '2024-05-29 23:01:00'),
('2024-', 'Labour', '2024-07-09 00:00:00', NULL, 10000, 100000, NULL);
