import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { createClass } from '../actions/classes';
import { closeClassPrompt, setTool } from '../actions/view';
import { useEditor } from '../state/store';

/** Drawing with no class yet (W, or the draw tool): name the first class, then draw with it. */
export function ClassNamePrompt(): React.JSX.Element {
  const open = useEditor((s) => s.classPrompt);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (): Promise<void> => {
    const trimmed = name.trim();
    if (!trimmed || busy) return;
    setBusy(true);
    const created = await createClass(trimmed);
    setBusy(false);
    if (!created) return; // the failure is shown; the dialog stays for another name
    setName('');
    closeClassPrompt();
    setTool('draw');
  };

  return (
    <Dialog open={open} onClose={closeClassPrompt} maxWidth="xs" fullWidth>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <DialogTitle>Name a class to draw</DialogTitle>
        <DialogContent>
          <DialogContentText variant="body2" sx={{ mb: 1.5 }}>
            Every box has a class. This project has none yet: name the first one, then drag on the
            image to draw.
          </DialogContentText>
          <TextField
            autoFocus
            fullWidth
            size="small"
            label="Class name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'class-prompt-name', maxLength: 100 } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={closeClassPrompt}>Cancel</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={!name.trim() || busy}
            data-testid="class-prompt-submit"
          >
            Add and draw
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
