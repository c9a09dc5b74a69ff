"""`python -m paymo_mcp` runs the same entry point as the `paymo-mcp` console script."""

from paymo_mcp.cli import main

if __name__ == "__main__":
    main()
