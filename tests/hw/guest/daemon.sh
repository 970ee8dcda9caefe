: # later
