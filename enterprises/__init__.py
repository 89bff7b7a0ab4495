"""Market-entity registration (市场主体登记), the 企业开办 bundle, deregistration and dormancy."""
