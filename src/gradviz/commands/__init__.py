"""Sub-commands of the ``gradviz`` command line; one module each."""
