"""The training catalog: institutions and the projects they or the regions run."""
