print("hello from the catalogue")
