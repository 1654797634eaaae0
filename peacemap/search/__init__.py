"""Full-text search. Every `import whoosh` of the project lives in this package."""
