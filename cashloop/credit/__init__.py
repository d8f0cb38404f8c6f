"""Credit control (信用管理): limits, exposure, holds, the credit score and risk signals."""
