def population(*a, **k): raise NotImplementedError
def omradestyp(*a, **k): raise NotImplementedError
