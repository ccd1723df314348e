"""Write paths for stores: the only code that mutates store data. Each function is one whole
change inside a transaction; routers and pages call these, never the ORM directly."""
