import { runPost } from '@homelab/toolkit';
void runPost();
