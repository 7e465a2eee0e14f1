/** The exporter's defaults, in a module with no imports so that the CLI can show them in --help cheaply. */

/** Local only unless told otherwise: the exporter says which servers you watch and can probe them. */
export const DEFAULT_EXPORTER_LISTEN = '127.0.0.1:9878';
