import { detectCurrent } from './actions/detect';
import { undo, redo } from './actions/history';
import { nextImage, prevImage } from './actions/navigation';
import { nextMostUncertain } from './actions/reviewQueue';
import {
  acceptAllShown,
  acceptSelected,
  applyClassNumber,
  deleteSelected,
  markReviewed,
  rejectSelected,
} from './actions/review';
import { escape, fit, setHelpOpen, toggleDraw, zoom } from './actions/view';
import { toggleLens } from './lens/lensActions';
import { toggleEvaluation } from './evaluation/evaluationActions';
import { toggleTraining } from './training/trainingActions';
import { getState } from './state/store';

/**
 * The one keymap: every shortcut, what it does, and how the shortcut sheet shows it. Keys are
 * normalised strings: `mod+` is Ctrl (⌘ on macOS), `shift+` is written only for letters and
 * named keys (`?` and `+` already imply it).
 */
export interface Binding {
  keys: readonly string[];
  label: string;
  group: 'Images' | 'Boxes' | 'View' | 'History' | 'Help';
  /** Holding the key repeats it (navigation, zoom); other actions fire once per press. */
  repeat?: boolean;
  run(key: string): void;
}

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const KEYMAP: readonly Binding[] = [
  {
    keys: ['d', 'arrowright'],
    label: 'Next image',
    group: 'Images',
    repeat: true,
    run: () => void nextImage(),
  },
  {
    keys: ['a', 'arrowleft'],
    label: 'Previous image',
    group: 'Images',
    repeat: true,
    run: () => void prevImage(),
  },
  {
    keys: ['u'],
    label: 'Next most uncertain image (pending score nearest the threshold)',
    group: 'Images',
    run: () => void nextMostUncertain(),
  },
  { keys: ['mod+d'], label: 'Detect this image', group: 'Images', run: () => void detectCurrent() },
  {
    keys: ['mod+enter'],
    label: 'Mark image reviewed',
    group: 'Images',
    run: () => void markReviewed(),
  },
  { keys: ['w'], label: 'Draw a box (toggle)', group: 'Boxes', run: toggleDraw },
  {
    keys: ['enter'],
    label: 'Accept selected box, select next pending',
    group: 'Boxes',
    run: () => void acceptSelected(),
  },
  {
    keys: ['r'],
    label: 'Reject selected box, select next pending',
    group: 'Boxes',
    run: () => void rejectSelected(),
  },
  {
    keys: ['space'],
    label: 'Accept all shown boxes',
    group: 'Boxes',
    run: () => void acceptAllShown(),
  },
  {
    keys: ['delete', 'backspace'],
    label: 'Delete selected boxes',
    group: 'Boxes',
    run: () => void deleteSelected(),
  },
  {
    keys: DIGITS,
    label: 'Set class of selection (or drawing class)',
    group: 'Boxes',
    run: (k) => void applyClassNumber(Number(k)),
  },
  { keys: ['escape'], label: 'Cancel drawing / clear selection', group: 'Boxes', run: escape },
  { keys: ['f'], label: 'Fit image to window', group: 'View', run: fit },
  { keys: ['l'], label: 'SSD lens: default boxes and matching', group: 'View', run: toggleLens },
  {
    keys: ['e'],
    label: 'Evaluation: AP, PR curves, false positives and misses',
    group: 'View',
    run: toggleEvaluation,
  },
  { keys: ['t'], label: 'Training page (fine-tune a model)', group: 'View', run: toggleTraining },
  { keys: ['+', '='], label: 'Zoom in', group: 'View', repeat: true, run: () => zoom(1) },
  { keys: ['-'], label: 'Zoom out', group: 'View', repeat: true, run: () => zoom(-1) },
  { keys: ['mod+z'], label: 'Undo', group: 'History', repeat: true, run: () => void undo() },
  {
    keys: ['mod+shift+z', 'mod+y'],
    label: 'Redo',
    group: 'History',
    repeat: true,
    run: () => void redo(),
  },
  {
    keys: ['?'],
    label: 'Show or hide this sheet',
    group: 'Help',
    run: () => setHelpOpen(!getState().helpOpen),
  },
];

const byKey = new Map<string, Binding>();
for (const b of KEYMAP) for (const k of b.keys) byKey.set(k, b);

/** The normalised key of an event ('mod+shift+z', 'arrowright', '?', '3'). */
export function keyOf(e: KeyboardEvent): string {
  let key = e.key === ' ' ? 'space' : e.key.toLowerCase();
  if (key === '_') key = '-';
  if (e.code.startsWith('Numpad') && /^[0-9]$/.test(key)) key = e.key;
  if (key === 'add') key = '+';
  if (key === 'subtract') key = '-';
  const named = key.length > 1 || /^[a-z]$/.test(key);
  return `${e.ctrlKey || e.metaKey ? 'mod+' : ''}${e.altKey ? 'alt+' : ''}${e.shiftKey && named ? 'shift+' : ''}${key}`;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** How a key is written in the UI ('Ctrl+Shift+Z', '→'). */
export function displayKey(key: string): string {
  const names: Record<string, string> = {
    arrowright: '→',
    arrowleft: '←',
    space: 'Space',
    enter: 'Enter',
    escape: 'Esc',
    delete: 'Del',
    backspace: 'Backspace',
  };
  return key
    .split('+')
    .map((part, i, all) =>
      part === '' && i === all.length - 1
        ? '+'
        : part === 'mod'
          ? isMac
            ? '⌘'
            : 'Ctrl'
          : part === 'shift'
            ? 'Shift'
            : (names[part] ?? part.toUpperCase()),
    )
    .filter((p) => p !== '')
    .join('+');
}

const SLIDER_KEYS = new Set([
  'arrowleft',
  'arrowright',
  'arrowup',
  'arrowdown',
  'home',
  'end',
  'pageup',
  'pagedown',
  'shift+arrowleft',
  'shift+arrowright',
]);

/** Keys belong to the page unless the person is typing or working a focused control. */
function ownedByTarget(e: KeyboardEvent, key: string): boolean {
  const t = e.target;
  if (!(t instanceof HTMLElement)) return false;
  if (t.closest('[role="dialog"], [role="menu"], [role="listbox"]')) return true;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement)
    return true;
  // A focused slider (the score threshold) keeps its arrow keys however it got the focus:
  // clicking it and then pressing → must move it, not switch the image.
  if (SLIDER_KEYS.has(key) && t.closest('[role="slider"], input[type="range"]')) return true;
  if (t instanceof HTMLInputElement) {
    const type = t.type;
    const textual = !['checkbox', 'radio', 'range', 'button', 'submit', 'color'].includes(type);
    if (textual) return true;
  }
  // A control reached by keyboard (focus ring shown) keeps Enter, Space and arrows; one that was
  // only clicked does not, so Space after clicking a button still accepts all shown boxes.
  if (['enter', 'space', 'arrowleft', 'arrowright'].includes(key)) {
    const control = t.closest(
      'button, [role="button"], [role="slider"], [role="combobox"], [role="tab"], a, input',
    );
    if (control instanceof HTMLElement && control.matches(':focus-visible')) return true;
  }
  return false;
}

/**
 * Installs the keymap on the window; returns the uninstall function.
 *
 * Space is special: held over the canvas and dragged, it pans (the canvas's gesture). So "accept
 * all shown" fires when Space is released without a pointer press in between.
 */
export function installKeymap(): () => void {
  let spaceArmed = false;
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.isComposing) return;
    const key = keyOf(e);
    const binding = byKey.get(key);
    if (!binding) return;
    if (getState().helpOpen) {
      // The open sheet holds the focus (a dialog owns its keys), but `?` still closes it.
      if (key === '?') {
        e.preventDefault();
        binding.run(key);
      }
      return;
    }
    if (ownedByTarget(e, key)) return;
    if (key === 'space') {
      // The canvas may have claimed it (preventDefault) to arm its pan: still ours on release.
      e.preventDefault();
      if (!e.repeat) spaceArmed = true;
      return;
    }
    if (e.defaultPrevented) return;
    e.preventDefault();
    if (e.repeat && !binding.repeat) return;
    binding.run(key.replace(/^.*\+(?=.)/, ''));
  };
  const onKeyUp = (e: KeyboardEvent): void => {
    if (e.key !== ' ' || !spaceArmed) return;
    spaceArmed = false;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    byKey.get('space')?.run('space');
  };
  const disarm = (): void => {
    spaceArmed = false;
  };
  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('pointerdown', disarm, true);
  window.addEventListener('blur', disarm);
  return () => {
    window.removeEventListener('keydown', onKeyDown);
    window.removeEventListener('keyup', onKeyUp);
    window.removeEventListener('pointerdown', disarm, true);
    window.removeEventListener('blur', disarm);
  };
}
