import { createTheme, type Theme } from '@mui/material';
import type { ThemeMode } from './state/store';

/** Compact, legible at 1280×800: dense controls, small type, one accent per theme. */
export function buildTheme(mode: ThemeMode): Theme {
  const dark = mode === 'dark';
  return createTheme({
    palette: {
      mode,
      primary: { main: dark ? '#7ab7ff' : '#1565c0' },
      secondary: { main: dark ? '#ffb74d' : '#ef6c00' },
      background: dark
        ? { default: '#121417', paper: '#1a1d21' }
        : { default: '#f4f5f7', paper: '#ffffff' },
    },
    shape: { borderRadius: 6 },
    typography: {
      fontSize: 13,
      fontFamily:
        'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
      button: { textTransform: 'none', fontWeight: 600 },
    },
    components: {
      MuiButton: { defaultProps: { size: 'small', disableElevation: true } },
      MuiIconButton: { defaultProps: { size: 'small' } },
      MuiTextField: { defaultProps: { size: 'small' } },
      MuiSelect: { defaultProps: { size: 'small' } },
      MuiFormControl: { defaultProps: { size: 'small' } },
      MuiToggleButton: { defaultProps: { size: 'small' } },
      MuiChip: { defaultProps: { size: 'small' } },
      MuiTooltip: { defaultProps: { disableInteractive: true, enterDelay: 400 } },
      MuiToolbar: { styleOverrides: { dense: { minHeight: 44 } } },
      MuiTab: { styleOverrides: { root: { minHeight: 36, textTransform: 'none' } } },
      MuiTabs: { styleOverrides: { root: { minHeight: 36 } } },
    },
  });
}
