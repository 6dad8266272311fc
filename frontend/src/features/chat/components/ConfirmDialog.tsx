// The modal question lives in lib (the rooms feature uses it too).
export { ConfirmDialog } from '../../../lib/confirm-dialog';
