"""Excel in: teacher rosters and records from .xlsx, .xls, .ods and .csv, checked row by row
with the same rules as the forms, previewed, and written all or nothing."""
