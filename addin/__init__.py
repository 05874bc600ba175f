"""What the ribbon and the command line do: vendors, the local store, refresh, entry points, the add-in file."""
