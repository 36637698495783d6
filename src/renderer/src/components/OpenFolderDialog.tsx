import Folder from '@mui/icons-material/FolderOutlined';
import ArrowUpward from '@mui/icons-material/ArrowUpward';
import Description from '@mui/icons-material/DescriptionOutlined';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import type { FolderListing } from '../../../shared/api/contract';
import { api } from '../api';
import { useEditor } from '../state/store';

/**
 * Browser mode's open dialog: the folders given with `shotbox serve --root`, their sub-folders
 * and project files. Opening a folder makes (or reopens) its project and imports its images;
 * the backend checks every path against the roots, this dialog only shows what it offers.
 */
function OpenFolderDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const show = useCallback((folder?: string) => {
    setError(null);
    api
      .listFolder(folder === undefined ? {} : { path: folder })
      .then(setListing)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(() => {
    api
      .listFolder({})
      .then(setListing)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  const open = (action: () => Promise<unknown>): void => {
    setBusy(true);
    setError(null);
    action()
      // A fresh start on the new project: every list, selection and history view reloads.
      .then(() => window.location.reload())
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };

  const folder = listing?.folder ?? null;
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" data-testid="open-folder-dialog">
      <DialogTitle>Open a folder or project</DialogTitle>
      <DialogContent dividers sx={{ minHeight: 240 }}>
        {listing && listing.roots.length === 0 && (
          <Typography variant="body2" data-testid="no-roots">
            No folders can be opened from this page. Start browser mode with{' '}
            <code>shotbox serve --root &lt;folder&gt;</code> (or{' '}
            <code>npm start -- &lt;folder&gt;</code>).
          </Typography>
        )}
        {folder && (
          <Typography variant="caption" sx={{ color: 'text.secondary', wordBreak: 'break-all' }}>
            {folder}
          </Typography>
        )}
        <List dense>
          {folder && (
            <ListItemButton
              onClick={() => show(listing?.parent ?? undefined)}
              data-testid="folder-up"
            >
              <ListItemIcon>
                <ArrowUpward fontSize="small" />
              </ListItemIcon>
              <ListItemText primary={listing?.parent ? '..' : 'All roots'} />
            </ListItemButton>
          )}
          {listing?.entries.map((e) => (
            <ListItemButton
              key={e.path}
              disabled={busy}
              data-testid={`entry-${e.name}`}
              onClick={() =>
                e.kind === 'folder' ? show(e.path) : open(() => api.openProject({ file: e.path }))
              }
            >
              <ListItemIcon>
                {e.kind === 'folder' ? (
                  <Folder fontSize="small" />
                ) : (
                  <Description fontSize="small" />
                )}
              </ListItemIcon>
              <ListItemText primary={e.name} secondary={e.kind === 'project' ? 'project' : null} />
            </ListItemButton>
          ))}
        </List>
        {error && (
          <Alert severity="error" data-testid="open-folder-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          disabled={!folder || busy}
          data-testid="open-this-folder"
          onClick={() => folder && open(() => api.openFolder({ folder }))}
        >
          {busy ? 'Opening…' : 'Open this folder'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** The button that opens the dialog; browser mode only (the desktop app has File → Open). */
export function OpenFolderButton(): React.JSX.Element | null {
  const shell = useEditor((s) => s.appInfo?.shell);
  const [open, setOpen] = useState(false);
  if (shell !== 'browser') return null;
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} data-testid="open-folder">
        Open…
      </Button>
      {open && <OpenFolderDialog onClose={() => setOpen(false)} />}
    </>
  );
}
