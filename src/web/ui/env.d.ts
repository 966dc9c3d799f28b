/** Stylesheets are bundled by Vite as files (no inline style). */
declare module '*.css' {}
