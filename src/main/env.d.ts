// electron-vite (Vite) replaces import.meta.env at build time; DEV is true only in `electron-vite dev`.
interface ImportMeta {
  readonly env?: { readonly DEV?: boolean };
}
