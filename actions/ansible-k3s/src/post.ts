import { runPost } from '@homelab/toolkit/post';

void runPost();
