-- 012: account changes one administrator asked for and a second must
-- approve (package account; bonafide.TwoPersonRule): granting the DPO or
-- administrator role, and resetting another user's password or second
-- factor over the API. A row is pending while approved_by is ''.
CREATE TABLE account_approvals (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind         text        NOT NULL,
	user_id      bigint      NOT NULL,
	user_name    text        NOT NULL,
	role         text        NOT NULL,
	reason       text        NOT NULL,
	requested_by text        NOT NULL,
	requested    timestamptz NOT NULL,
	expires      timestamptz NOT NULL,
	approved_by  text        NOT NULL DEFAULT '',
	approved     timestamptz
);
CREATE INDEX account_approvals_user ON account_approvals (user_id, id);
