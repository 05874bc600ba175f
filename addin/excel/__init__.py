"""The Excel add-in proper: the `.xlam` file, the ribbon and its actions, the refresh of an open workbook."""
