"""Places: the offline gazetteer, administrative units and what precision allows to show."""
