// Global fixtures shared by every test file; parts that need a server start it here once.
export {};
