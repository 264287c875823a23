"""The perception gap in the portal: IT's view beside the business's, and IT's self-assessment form."""
