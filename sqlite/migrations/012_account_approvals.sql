-- 012: account changes one administrator asked for and a second must
-- approve (package account; bonafide.TwoPersonRule): granting the DPO or
-- administrator role, and resetting another user's password or second
-- factor over the API. A row is pending while approved_by is ''.
CREATE TABLE account_approvals (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	kind         TEXT    NOT NULL,
	user_id      INTEGER NOT NULL,
	user_name    TEXT    NOT NULL,
	role         TEXT    NOT NULL,
	reason       TEXT    NOT NULL,
	requested_by TEXT    NOT NULL,
	requested    INTEGER NOT NULL,
	expires      INTEGER NOT NULL,
	approved_by  TEXT    NOT NULL DEFAULT '',
	approved     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX account_approvals_user ON account_approvals (user_id, id);
