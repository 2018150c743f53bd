module shroud

go 1.19
