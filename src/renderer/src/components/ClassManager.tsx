import Add from '@mui/icons-material/Add';
import CallMerge from '@mui/icons-material/CallMerge';
import DeleteOutline from '@mui/icons-material/DeleteOutlineOutlined';
import Edit from '@mui/icons-material/Edit';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  IconButton,
  Menu,
  MenuItem,
  Select,
  Stack,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import type { ClassListItem, ClassRecord } from '../../../shared/project/types';
import {
  createClass,
  deleteClass,
  loadClasses,
  mergeClasses,
  recolorClass,
  renameClass,
} from '../actions/classes';
import { selectOrderedClasses } from '../state/selectors';
import { useEditor } from '../state/store';

function ColorSwatch({ cls }: { cls: ClassRecord }): React.JSX.Element {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const input = ref.current;
    if (!input) return;
    // The native `change` event fires once when the picker closes (React's onChange fires on
    // every movement): one backend call per chosen colour.
    const onChange = (): void => {
      if (input.value.toLowerCase() !== cls.color.toLowerCase())
        void recolorClass(cls.id, input.value);
    };
    input.addEventListener('change', onChange);
    return () => input.removeEventListener('change', onChange);
  }, [cls.id, cls.color]);
  return (
    <Tooltip title="Change colour">
      <Box
        component="label"
        sx={{
          width: 18,
          height: 18,
          borderRadius: '4px',
          bgcolor: cls.color,
          cursor: 'pointer',
          flexShrink: 0,
          border: 1,
          borderColor: 'divider',
          position: 'relative',
        }}
      >
        <input
          ref={ref}
          key={cls.color}
          type="color"
          data-testid={`class-color-${cls.id}`}
          defaultValue={cls.color}
          aria-label={`Colour of ${cls.name}`}
          style={{
            opacity: 0,
            position: 'absolute',
            inset: 0,
            width: '100%',
            height: '100%',
            cursor: 'pointer',
          }}
        />
      </Box>
    </Tooltip>
  );
}

function ClassRow({
  cls,
  index,
  onMerge,
  onDelete,
}: {
  cls: ClassListItem;
  index: number;
  onMerge(anchor: HTMLElement, cls: ClassRecord): void;
  onDelete(cls: ClassListItem): void;
}): React.JSX.Element {
  const [editing, setEditing] = useState<string | null>(null);
  const commit = async (): Promise<void> => {
    if (editing === null) return;
    const name = editing.trim();
    if (name === '' || name === cls.name) {
      setEditing(null);
      return;
    }
    if (await renameClass(cls.id, name)) setEditing(null);
  };
  return (
    <Stack
      direction="row"
      spacing={1}
      data-testid={`class-row-${cls.id}`}
      sx={{ px: 1.25, py: 0.5, alignItems: 'center', minHeight: 36 }}
    >
      <Typography variant="caption" sx={{ width: 12, color: 'text.secondary', textAlign: 'right' }}>
        {index < 9 ? index + 1 : ''}
      </Typography>
      <ColorSwatch cls={cls} />
      {editing !== null ? (
        <TextField
          autoFocus
          value={editing}
          onChange={(e) => setEditing(e.target.value)}
          onBlur={() => void commit()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void commit();
            if (e.key === 'Escape') setEditing(null);
          }}
          sx={{ flex: 1 }}
          slotProps={{
            htmlInput: {
              'aria-label': `New name for ${cls.name}`,
              'data-testid': `class-name-input-${cls.id}`,
            },
          }}
        />
      ) : (
        <Typography
          variant="body2"
          noWrap
          sx={{ flex: 1, cursor: 'text' }}
          onDoubleClick={() => setEditing(cls.name)}
          title="Double-click to rename"
        >
          {cls.name}
        </Typography>
      )}
      <Typography
        variant="caption"
        data-testid={`class-count-${cls.id}`}
        title="Boxes of this class (not rejected)"
        sx={{ color: 'text.secondary', fontVariantNumeric: 'tabular-nums' }}
      >
        {cls.boxCount.toLocaleString()}
      </Typography>
      <Tooltip title="Rename">
        <IconButton
          aria-label={`Rename ${cls.name}`}
          onClick={() => setEditing(cls.name)}
          data-testid={`class-rename-${cls.id}`}
        >
          <Edit fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Merge into another class">
        <IconButton
          aria-label={`Merge ${cls.name}`}
          onClick={(e) => onMerge(e.currentTarget, cls)}
          data-testid={`class-merge-${cls.id}`}
        >
          <CallMerge fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Delete class">
        <IconButton
          aria-label={`Delete ${cls.name}`}
          onClick={() => onDelete(cls)}
          data-testid={`class-delete-${cls.id}`}
        >
          <DeleteOutline fontSize="small" />
        </IconButton>
      </Tooltip>
    </Stack>
  );
}

/** Delete a class: with its boxes, or moving them to another class first. Undoable. */
function DeleteClassDialog({
  cls,
  classes,
  onClose,
}: {
  cls: ClassListItem | null;
  classes: readonly ClassListItem[];
  onClose(): void;
}): React.JSX.Element {
  const [target, setTarget] = useState<number | ''>('');
  const others = classes.filter((c) => c.id !== cls?.id);
  const close = (): void => {
    setTarget('');
    onClose();
  };
  return (
    <Dialog open={cls !== null} onClose={close}>
      <DialogTitle>Delete class “{cls?.name}”?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {cls?.boxCount
            ? `It holds ${cls.boxCount.toLocaleString()} box${cls.boxCount === 1 ? '' : 'es'}. Delete them with the class, or move them to another class first.`
            : 'It holds no boxes.'}{' '}
          Ctrl+Z undoes either.
        </DialogContentText>
        {cls !== null && cls.boxCount > 0 && others.length > 0 && (
          <Select
            value={target}
            displayEmpty
            onChange={(e) => setTarget(e.target.value)}
            sx={{ mt: 2, minWidth: 200 }}
            inputProps={{ 'aria-label': 'Move boxes to', 'data-testid': 'delete-class-target' }}
          >
            <MenuItem value="">Delete the boxes too</MenuItem>
            {others.map((c) => (
              <MenuItem key={c.id} value={c.id}>
                Move boxes to {c.name}
              </MenuItem>
            ))}
          </Select>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Cancel</Button>
        <Button
          variant="contained"
          color="error"
          data-testid="confirm-delete-class"
          onClick={() => {
            if (cls) void deleteClass(cls.id, target === '' ? undefined : target);
            close();
          }}
        >
          {target === '' ? 'Delete' : 'Move and delete'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function ClassManager(): React.JSX.Element {
  const classes = useEditor(selectOrderedClasses);
  const [name, setName] = useState('');
  const [mergeMenu, setMergeMenu] = useState<{ anchor: HTMLElement; from: ClassRecord } | null>(
    null,
  );
  const [confirm, setConfirm] = useState<{ from: ClassRecord; into: ClassRecord } | null>(null);
  const [deleting, setDeleting] = useState<ClassListItem | null>(null);
  // Box counts change with every edit: refreshed after each action while this panel is shown.
  const lastActionAt = useEditor((s) => s.lastAction?.at);
  useEffect(() => {
    void loadClasses();
  }, [lastActionAt]);

  const add = async (): Promise<void> => {
    if (name.trim() === '') return;
    if (await createClass(name.trim())) setName('');
  };

  return (
    <Stack sx={{ height: '100%', minHeight: 0 }} data-testid="class-manager">
      <Stack direction="row" spacing={1} sx={{ p: 1.25 }}>
        <TextField
          placeholder="New class name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void add();
          }}
          sx={{ flex: 1 }}
          slotProps={{
            htmlInput: { 'aria-label': 'New class name', 'data-testid': 'new-class-name' },
          }}
        />
        <Button
          variant="outlined"
          startIcon={<Add />}
          onClick={() => void add()}
          disabled={name.trim() === ''}
          data-testid="add-class"
        >
          Add
        </Button>
      </Stack>
      <Box sx={{ flex: 1, minHeight: 0, overflowY: 'auto' }}>
        {classes.length === 0 && (
          <Typography variant="body2" sx={{ p: 1.5, color: 'text.secondary' }}>
            No classes yet. Add one to draw boxes; detection adds the model&apos;s classes.
          </Typography>
        )}
        {classes.map((c, i) => (
          <ClassRow
            key={c.id}
            cls={c}
            index={i}
            onMerge={(anchor, from) => setMergeMenu({ anchor, from })}
            onDelete={setDeleting}
          />
        ))}
      </Box>
      <Typography
        variant="caption"
        sx={{ p: 1.25, color: 'text.secondary', borderTop: 1, borderColor: 'divider' }}
      >
        Keys 1–9 pick these classes in order. Merging moves every box of a class into another;
        Ctrl+Z undoes class changes too.
      </Typography>
      <Menu
        anchorEl={mergeMenu?.anchor}
        open={mergeMenu !== null}
        onClose={() => setMergeMenu(null)}
      >
        <MenuItem disabled>
          <Typography variant="caption">Merge “{mergeMenu?.from.name}” into…</Typography>
        </MenuItem>
        {classes
          .filter((c) => c.id !== mergeMenu?.from.id)
          .map((c) => (
            <MenuItem
              key={c.id}
              onClick={() => {
                if (mergeMenu) setConfirm({ from: mergeMenu.from, into: c });
                setMergeMenu(null);
              }}
            >
              <Box
                component="span"
                sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: c.color, mr: 1 }}
              />
              {c.name}
            </MenuItem>
          ))}
      </Menu>
      <DeleteClassDialog cls={deleting} classes={classes} onClose={() => setDeleting(null)} />
      <Dialog open={confirm !== null} onClose={() => setConfirm(null)}>
        <DialogTitle>Merge classes?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            Every box labelled “{confirm?.from.name}” becomes “{confirm?.into.name}”, and “
            {confirm?.from.name}” is removed. Ctrl+Z undoes it.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button
            variant="contained"
            data-testid="confirm-merge"
            onClick={() => {
              if (confirm) void mergeClasses(confirm.from.id, confirm.into.id);
              setConfirm(null);
            }}
          >
            Merge
          </Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}
