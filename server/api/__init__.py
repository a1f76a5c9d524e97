"""HTTP layer: thin routes that parse, check permission, call a service and shape the answer."""
