import Close from '@mui/icons-material/Close';
import {
  Box,
  Dialog,
  DialogContent,
  DialogTitle,
  IconButton,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@mui/material';
import { setHelpOpen } from '../actions/view';
import { KEYMAP, displayKey, type Binding } from '../keymap';
import { useEditor } from '../state/store';

const GROUPS: Binding['group'][] = ['Images', 'Boxes', 'View', 'History', 'Help'];

function Kbd({ children }: { children: string }): React.JSX.Element {
  return (
    <Box
      component="kbd"
      sx={{
        px: 0.75,
        py: 0.125,
        mr: 0.5,
        border: 1,
        borderColor: 'divider',
        borderBottomWidth: 2,
        borderRadius: 1,
        fontFamily: 'inherit',
        fontSize: 12,
        bgcolor: 'action.hover',
        whiteSpace: 'nowrap',
      }}
    >
      {children}
    </Box>
  );
}

/** The canvas's pointer gestures (they are not keys, so the keymap does not hold them). */
const MOUSE: readonly [string[], string][] = [
  [['Wheel'], 'Zoom at the pointer'],
  [['Space+drag', 'Middle drag'], 'Pan the image'],
];

function keysOf(b: Binding): string[] {
  if (b.keys.length === 9 && b.keys[0] === '1') return ['1 … 9'];
  return b.keys.map(displayKey);
}

/** Every shortcut of the keymap, grouped; opened with `?`. */
export function ShortcutSheet(): React.JSX.Element {
  const open = useEditor((s) => s.helpOpen);
  return (
    <Dialog open={open} onClose={() => setHelpOpen(false)} maxWidth="md" fullWidth>
      <DialogTitle sx={{ pr: 6 }}>Keyboard shortcuts</DialogTitle>
      <IconButton
        aria-label="Close"
        data-testid="shortcut-close"
        onClick={() => setHelpOpen(false)}
        sx={{ position: 'absolute', top: 10, right: 10 }}
      >
        <Close fontSize="small" />
      </IconButton>
      <DialogContent data-testid="shortcut-sheet">
        <Stack direction="row" spacing={3} sx={{ alignItems: 'flex-start' }}>
          {[GROUPS.slice(0, 2), GROUPS.slice(2)].map((column, i) => (
            <Box key={i} sx={{ flex: 1 }}>
              {column.map((group) => (
                <Box key={group} sx={{ mb: 2 }}>
                  <Typography variant="overline" sx={{ color: 'text.secondary' }}>
                    {group}
                  </Typography>
                  <Table size="small">
                    <TableBody>
                      {KEYMAP.filter((b) => b.group === group).map((b) => (
                        <TableRow key={b.label}>
                          <TableCell sx={{ width: '45%', py: 0.5 }}>
                            {keysOf(b).map((k) => (
                              <Kbd key={k}>{k}</Kbd>
                            ))}
                          </TableCell>
                          <TableCell sx={{ py: 0.5 }}>{b.label}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </Box>
              ))}
              {i === 1 && (
                <Box>
                  <Typography variant="overline" sx={{ color: 'text.secondary' }}>
                    Mouse
                  </Typography>
                  <Table size="small" sx={{ mb: 1 }} data-testid="shortcut-mouse">
                    <TableBody>
                      {MOUSE.map(([keys, label]) => (
                        <TableRow key={label}>
                          <TableCell sx={{ width: '45%', py: 0.5 }}>
                            {keys.map((k) => (
                              <Kbd key={k}>{k}</Kbd>
                            ))}
                          </TableCell>
                          <TableCell sx={{ py: 0.5 }}>{label}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                  <Typography variant="body2">
                    Click a box to select it (Shift/Ctrl adds). Drag a box or its handles to move or
                    resize. In the image list, Shift/Ctrl+click selects several images for “Detect
                    selection”.
                  </Typography>
                  <Typography variant="body2" sx={{ mt: 1 }}>
                    Rejected boxes and pending predictions below the score threshold are hidden. An
                    image is marked reviewed as soon as none of its boxes is pending. Every change
                    is saved at once.
                  </Typography>
                </Box>
              )}
            </Box>
          ))}
        </Stack>
      </DialogContent>
    </Dialog>
  );
}
