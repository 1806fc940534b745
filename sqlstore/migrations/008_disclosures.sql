-- Written once for both back-ends: {text}, {int}, {time}, {json} and {blob}
-- are put in by each one (sqlstore.ColumnTypes).
-- 008: lawful disclosure to the police and subject access requests
-- (package disclosure). A request is kept as one JSON document with the
-- columns its worklists filter on; its version guards against two people
-- deciding on the same copy. A released request's package (JSON, PDF and
-- the signed note over the JSON's hash) is kept beside it, and each
-- referral whose reporter was disclosed is marked, in the release's own
-- transaction.
CREATE TABLE disclosures (
	id           {text}  PRIMARY KEY,
	state        {text}  NOT NULL,
	requested_by {text}  NOT NULL,
	filed        {time}  NOT NULL,
	updated      {time}  NOT NULL,
	version      {int}   NOT NULL,
	body         {json}  NOT NULL
);
CREATE INDEX disclosures_filed ON disclosures (filed);
CREATE TABLE disclosure_packages (
	disclosure_id {text}  PRIMARY KEY REFERENCES disclosures (id),
	created       {time}  NOT NULL,
	expires       {time}  NOT NULL,
	liaison       {text}  NOT NULL,
	sha256        {text}  NOT NULL,
	json          {blob}  NOT NULL,
	pdf           {blob}  NOT NULL,
	signature     {blob}  NOT NULL
);
CREATE TABLE disclosed_referrals (
	referral_id   {text}  NOT NULL,
	disclosure_id {text}  NOT NULL REFERENCES disclosures (id),
	at            {time}  NOT NULL,
	PRIMARY KEY (referral_id, disclosure_id)
);
CREATE TABLE sars (
	id      {text}  PRIMARY KEY,
	state   {text}  NOT NULL,
	opened  {time}  NOT NULL,
	updated {time}  NOT NULL,
	version {int}   NOT NULL,
	body    {json}  NOT NULL,
	bundle  {blob}
);
CREATE INDEX sars_opened ON sars (opened);
