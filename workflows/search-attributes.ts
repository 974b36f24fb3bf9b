// The search attributes of an operation workflow, so ops staff find it in the Temporal UI or CLI:
// `CallDialogId="rDlg-001-abc123"`, `CallUser="alice@test.rootdomain.ru"`, `CallOperation="REFER"`.
// All Keyword; the embedded dev server registers them (temporal/dev-server.ts SEARCH_ATTRIBUTES),
// a cluster needs `temporal operator search-attribute create` once. Pure: used on both sides.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The dialog the operation is about: REFER's own dialog from the start; POST/INVITE's new dialog
 * once the node reports it (upserted by the workflow when learnt). */
export const CALL_DIALOG_ID = defineSearchAttributeKey('CallDialogId', SearchAttributeType.KEYWORD);
/** `<login>@<domain>` of the authorized user who started it. */
export const CALL_USER = defineSearchAttributeKey('CallUser', SearchAttributeType.KEYWORD);
/** POST, INVITE, REFER, … */
export const CALL_OPERATION = defineSearchAttributeKey('CallOperation', SearchAttributeType.KEYWORD);
