"""The legal clock: the working-day calendar and deadline rule sets (product.md "Deadlines")."""
