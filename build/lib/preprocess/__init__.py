"""Turn raw material into releases: parsing, filtering, cropping, labelling, splitting, sharding."""
