"""Custom fields: fields an admin adds to customers, contacts, leads, opportunities and invoices."""
